"""zhuize's workbook side: the command line, and (as the product grows) the schema,
templates, reader, validation, roll-up, returns, documents and the Excel add-in.

Everything here is a thin caller of the pure engine in ``udfs``.
"""
