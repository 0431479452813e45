"""Word documents the ledgers produce, in official-document format (GB/T 9704-2012).

    gbt9704         page, styles and paragraph kinds of 党政机关公文格式
    wording         Chinese dates, 万元 amounts, numbering, file names, 身份证号码 redaction
    facts           one clue's rows gathered from a submission, graded and dated by the engine
    recommendation  管理提升建议书 (the reference format of 桂国资监督〔2022〕7号's attachment)
    event_report    一事一报告 for a clue whose loss grade requires it
    batch           every letter of one submission or of a consolidated return, written safely

``addin.documents.letters`` is the entry point the command line and the Excel ribbon call.
"""
