"""Somali replies."""

from dialogs.understanding.table import LanguageTable

__all__ = ["TABLE"]

TABLE = LanguageTable(
    code="so",
    name="Somali",
    yes=("haa",),
    no=("maya",),
    affirm=("waa hagaag", "hagaag", "haye", "hayye", "haa mahadsanid"),
    deny=("maya mahadsanid",),
    confirm=(
        "waan imaan doonaa",
        "waan iman doonaa",
        "waan imanayaa",
        "waan xaqiijiyay",
        "haa waan imaan doonaa",
    ),
    decline=("ma imaan karo", "ma iman karo", "ma imaan doono", "ma iman doono"),
    cancel=("baaji ballanta", "ballanta baaji", "jooji ballanta"),
    reschedule=("maalin kale", "waqti kale", "wakhti kale", "beddel ballanta", "bedel ballanta"),
    arrived=("waan imid", "waan joogaa", "halkan ayaan joogaa", "waan soo gaadhay"),
    help=("=caawimaad", "=caawi"),
    opt_out=("fariimo ha ii soo dirin", "fariin ha ii soo dirin"),
    neutral=("mahadsanid", "fadlan", "berri", "maanta", "ballanta", "dhakhtarka", "aniga"),
    negators=("ma", "ha"),
    contrast=("laakiin",),
    questions=("maxay", "goorma", "xaggee", "halkee", "sidee"),
)
