"""Plumbing every stage uses; nothing here knows the standard.

    xlsx_tables  streamed sheets and Excel tables for large returns
    libreoffice  xlsx/docx → pdf/xlsx through a headless LibreOffice
    atomic       write to a temp file, rename only when it is complete
    forked       run a function in a forked child, its answer back through a pipe
"""
