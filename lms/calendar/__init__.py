"""Personal calendar feeds: one secret address per person that calendar apps subscribe to (RFC 5545).

The core owns the address and the file format; the plugins say what goes in it by answering
:data:`lms.signals.calendar_events` (coursework: open, due and cut-off dates; attendance, later: sessions).
"""
