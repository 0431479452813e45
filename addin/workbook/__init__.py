"""The reporting standard and its files.

    schema       the standard as data: sheets, columns, types, lists, computed columns
    templates    schema + profile → the two template workbooks (native formulas / ZZ_ functions)
    formulas     the native formulas of the computed columns
    styles       formats and widths of the standard's columns
    preflight    is a file safe to parse (zip bombs, encryption, XML entities, sizes)
    read         workbook → ``Submission`` (rows remember file, sheet and row)
    recompute    the computed columns again, in Python over the engine
    textvalues   numbers and dates typed as text, explained
    samples      example rows for pictures and tests
"""
