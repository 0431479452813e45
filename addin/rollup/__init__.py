"""Many submissions → one consolidated period.

    intake       one workbook read, validated and reduced to rows and unit indicators
    consolidate  the roll-up: supersession, conflicts, continuity, reconciliation, summary JSON
    indicators   the returns' indicators, per unit and in total
    archive      accepted submissions and their rows in SQLite (history, previous periods)
    periods      报告期 (年度 / 半年 / 季度) and dates typed by a user
"""
