"""Amharic replies."""

from dialogs.understanding.table import LanguageTable

__all__ = ["TABLE"]

TABLE = LanguageTable(
    code="am",
    name="Amharic",
    yes=("አዎ", "አዎን"),
    no=("አይ", "አይደለም"),
    affirm=("እሺ", "ችግር የለም", "እሺ አመሰግናለሁ"),
    confirm=("እመጣለሁ", "አረጋግጣለሁ", "እገኛለሁ"),
    decline=("አልመጣም", "መምጣት አልችልም", "አልችልም"),
    cancel=("ሰርዝ", "ይሰርዙ", "ቀጠሮውን ሰርዝ", "ቀጠሮውን ይሰርዙ"),
    reschedule=("ሌላ ቀን", "ሌላ ሰዓት"),
    arrived=("ደርሻለሁ", "መጥቻለሁ", "እዚህ ነኝ"),
    help=("=እርዳታ",),
    neutral=("አመሰግናለሁ", "እባክዎ", "ነገ", "ዛሬ", "ቀጠሮ", "ሰላም", "ጤና ይስጥልኝ"),
    negators=("አይ",),
    contrast=("ግን",),
    questions=("ምን", "መቼ", "የት", "ለምን", "እንዴት"),
)
