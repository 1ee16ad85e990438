"""Read the deadline column ("Thời hạn") of a plan's task table.

The column is free Vietnamese text written by clerks: "Quý IV/2026", "Trước 01/6/2026",
"Hàng năm, bắt đầu từ năm 2026", "Thường xuyên", "Sau khi ... (Quý III/2026)" and their typos.
`interpret_deadline` turns one cell into a `Deadline` (what a careful clerk would record) and
flags, with a Vietnamese reason, whatever it cannot read for certain; it never guesses silently.
`occurrence_schedule` lists the periods (kỳ) of a recurring or continuous deadline.

Conventions followed (see shared/DOMAIN.md, "Deadlines as written"):
- "trước X" is strict: the due is the day before X, as ministries' own systems record it;
  "đến", "chậm nhất", "trong ngày", "hoàn thành ngày" mean that day itself.
- A month, quarter, half-year or year is due on its last day.
- A text without a year takes the reference year (the plan's date); if that lands before the
  reference, the next year is meant and the reading is flagged.
- Document numbers ("34/2014/NĐ-CP", "83/KH-UBND", "123-KH/TU") are never read as dates.

Matching is done on a folded copy of the text (lower case, accents stripped, đ→d) that keeps one
character per character of the original, so spans found in it slice the original text too.
No database access here: the module is pure and may be used by the importer and by forms.
"""

from plans.deadlines.calendar_days import add_working_days, is_working_day
from plans.deadlines.kinds import PERIODIC, Deadline, DeadlineKind, Frequency, Period, Recurrence
from plans.deadlines.reading import interpret_deadline
from plans.deadlines.recurrence import occurrence_schedule

__all__ = [
    "PERIODIC",
    "Deadline",
    "DeadlineKind",
    "Frequency",
    "Period",
    "Recurrence",
    "add_working_days",
    "interpret_deadline",
    "is_working_day",
    "occurrence_schedule",
]
