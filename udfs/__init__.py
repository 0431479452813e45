"""zhuize rule engine: pure Python, no Excel import.

The modules here compute what the accountability and audit-rectification rules say:
loss grade (grading), handling table (handling), working days and deadlines
(workcalendar, deadlines), rectification result (rectification), identity checks
(identity).  Every number comes from a rule profile (profiles/*.toml, loaded by
profile).  registry lists every ZZ_ function once; excel is the only module that
imports xlwings.
"""

__version__ = "0.1.0"
