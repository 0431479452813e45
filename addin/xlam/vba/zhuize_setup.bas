Attribute VB_Name = "zhuize_setup"
' Registers the Chinese help of every ZZ_ function with Excel's function wizard when the
' add-in's ribbon loads (called from zhuize_ribbon.OnRibbonLoad, the customUI onLoad callback:
' not an auto-run open-event macro, which macro scanners flag).
' The texts are on the add-in's sheet "zhuize.functions", written at build time from
' udfs.registry (row 1 headers; then per row: A name, B category, C description,
' D number of arguments, E.. one description per argument), so this module stays ASCII.
Option Explicit
Option Private Module

Private Const HELP_SHEET As String = "zhuize.functions"

Public Sub RegisterFunctionHelp()
    Dim wasAddin As Boolean
    wasAddin = ThisWorkbook.IsAddin
    On Error GoTo restore
    If Not RegisterAll() And wasAddin Then
        ' Some Excel builds refuse MacroOptions on a hidden workbook: retry while the
        ' add-in is briefly an ordinary workbook.
        ThisWorkbook.IsAddin = False
        RegisterAll
    End If
restore:
    On Error Resume Next
    If wasAddin And Not ThisWorkbook.IsAddin Then ThisWorkbook.IsAddin = True
    ThisWorkbook.Saved = True
End Sub

Private Function RegisterAll() As Boolean
    Dim sht As Worksheet, r As Long, n As Long, i As Long
    Dim macroName As String
    Dim argHelp() As Variant

    Set sht = ThisWorkbook.Worksheets(HELP_SHEET)
    RegisterAll = True
    r = 2
    Do While Len(CStr(sht.Cells(r, 1).Value)) > 0
        macroName = "'" & ThisWorkbook.Name & "'!" & CStr(sht.Cells(r, 1).Value)
        n = CLng(sht.Cells(r, 4).Value)
        On Error Resume Next
        Err.Clear
        If n > 0 Then
            ReDim argHelp(0 To n - 1)
            For i = 0 To n - 1
                argHelp(i) = CStr(sht.Cells(r, 5 + i).Value)
            Next i
            Application.MacroOptions Macro:=macroName, Description:=CStr(sht.Cells(r, 3).Value), _
                Category:=CStr(sht.Cells(r, 2).Value), ArgumentDescriptions:=argHelp
        Else
            Application.MacroOptions Macro:=macroName, Description:=CStr(sht.Cells(r, 3).Value), _
                Category:=CStr(sht.Cells(r, 2).Value)
        End If
        If Err.Number <> 0 Then RegisterAll = False
        On Error GoTo 0
        r = r + 1
    Loop
End Function
