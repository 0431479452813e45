Attribute VB_Name = "zhuize_ribbon"
' The ribbon tab of the zhuize add-in (labels and icons: customUI14.xml).
' Each button runs one handler of the Python module addin.xlam.handlers through xlwings'
' RunPython; the handler does the work, reports progress in the status bar and ends
' with a message. This module stays ASCII: Chinese text lives in customUI14.xml, in the
' add-in's sheets and in Python. Zh() turns hex code points into text for dialog titles.
Option Explicit

' customUI onLoad: Excel calls it once when it loads this add-in's ribbon (at start-up for an
' add-in in XLSTART); it registers the ZZ_ functions' help for the function wizard.
Public Sub OnRibbonLoad(ribbon As IRibbonUI)
    zhuize_setup.RegisterFunctionHelp
End Sub

Public Sub NewTemplate(control As IRibbonControl)
    If Not EnsureWorkbook() Then Exit Sub
    RunPython "import addin.xlam.handlers; addin.xlam.handlers.new_template()"
End Sub

Public Sub ValidateBook(control As IRibbonControl)
    If Not EnsureWorkbook() Then Exit Sub
    RunPython "import addin.xlam.handlers; addin.xlam.handlers.validate_book()"
End Sub

Public Sub RollupFolder(control As IRibbonControl)
    Dim folder As String
    If Not EnsureWorkbook() Then Exit Sub
    ' Title: "Select the folder holding the subsidiaries' workbooks"
    folder = PickFolder(Zh("9009 62E9 4E0B 7EA7 5355 4F4D 62A5 8868 6240 5728 7684 6587 4EF6 5939"))
    If folder = "" Then Exit Sub
    RunPython "import addin.xlam.handlers; addin.xlam.handlers.rollup_folder('" & HexText(folder) & "')"
End Sub

Public Sub SasacReturn(control As IRibbonControl)
    If Not EnsureWorkbook() Then Exit Sub
    RunPython "import addin.xlam.handlers; addin.xlam.handlers.sasac_return()"
End Sub

Public Sub ImprovementLetters(control As IRibbonControl)
    If Not EnsureWorkbook() Then Exit Sub
    RunPython "import addin.xlam.handlers; addin.xlam.handlers.improvement_letters()"
End Sub

Public Sub EventReports(control As IRibbonControl)
    If Not EnsureWorkbook() Then Exit Sub
    RunPython "import addin.xlam.handlers; addin.xlam.handlers.event_reports()"
End Sub

Public Sub UpdateCalendar(control As IRibbonControl)
    Dim chosen As Variant
    If Not EnsureWorkbook() Then Exit Sub
    ' Title: "Select the working-day calendar file (.toml)"
    chosen = Application.GetOpenFilename("TOML (*.toml),*.toml", 1, _
        Zh("9009 62E9 5DE5 4F5C 65E5 5386 6587 4EF6 FF08 002E 0074 006F 006D 006C FF09"))
    If VarType(chosen) = vbBoolean Then Exit Sub
    RunPython "import addin.xlam.handlers; addin.xlam.handlers.update_calendar('" & HexText(CStr(chosen)) & "')"
End Sub

Public Sub FunctionHelp(control As IRibbonControl)
    If Not EnsureWorkbook() Then Exit Sub
    RunPython "import addin.xlam.handlers; addin.xlam.handlers.function_help()"
End Sub

Private Function EnsureWorkbook() As Boolean
    ' RunPython hands Python the active workbook; with none open, start a blank one.
    If ActiveWorkbook Is Nothing Then Workbooks.Add
    EnsureWorkbook = Not ActiveWorkbook Is Nothing
End Function

Private Function PickFolder(ByVal caption As String) As String
    With Application.FileDialog(4) ' msoFileDialogFolderPicker
        .Title = caption
        .AllowMultiSelect = False
        If .Show = -1 Then PickFolder = .SelectedItems(1)
    End With
End Function

Private Function HexText(ByVal plain As String) As String
    ' UTF-16 code units as hex (4 digits each): a path reaches Python intact whatever
    ' quotes, spaces or Chinese characters it holds; addin.xlam.handlers decodes it.
    Dim i As Long, out As String
    For i = 1 To Len(plain)
        out = out & Right$("000" & Hex$(AscW(Mid$(plain, i, 1)) And &HFFFF&), 4)
    Next i
    HexText = out
End Function

Private Function Zh(ByVal codes As String) As String
    ' "4E2D 6587" -> the text with those code points.
    Dim parts() As String, i As Long, out As String
    parts = Split(codes, " ")
    For i = LBound(parts) To UBound(parts)
        out = out & ChrW(CLng("&H" & parts(i)))
    Next i
    Zh = out
End Function
