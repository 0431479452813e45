"""The demo group (``group``: subsidiaries' workbooks with a few deliberate mistakes) and
the main job that runs on it (``main``: validate, roll up, returns, letters)."""
