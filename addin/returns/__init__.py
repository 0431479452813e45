"""The two returns headquarters produces: 集团汇总 (group) and 国资委报表 (SASAC)."""
