"""Swahili replies."""

from dialogs.understanding.table import LanguageTable

__all__ = ["TABLE"]

TABLE = LanguageTable(
    code="sw",
    name="Swahili",
    yes=("ndiyo", "ndio"),
    no=("hapana",),
    affirm=("sawa", "sawa sawa", "ndiyo asante", "hakika", "bila shaka", "poa"),
    deny=("hapana asante",),
    confirm=("nitakuja", "nitafika", "nathibitisha", "nimethibitisha", "tutaonana"),
    decline=("sitakuja", "siwezi kuja", "sitaweza kuja", "sitafika", "=siwezi"),
    cancel=("ghairi", "ghairi miadi", "futa miadi", "nataka kughairi"),
    reschedule=(
        "badilisha muda",
        "badilisha tarehe",
        "siku nyingine",
        "muda mwingine",
        "ahirisha",
        "kuahirisha",
    ),
    arrived=("nimefika", "=nipo", "niko hapa", "tumefika"),
    help=("=msaada",),
    opt_out=("usinitumie ujumbe", "acha kunitumia ujumbe", "msinitumie ujumbe"),
    neutral=(
        "asante",
        "asante sana",
        "tafadhali",
        "habari",
        "kesho",
        "leo",
        "daktari",
        "miadi",
        "mimi",
    ),
    negators=("si", "sio", "siyo", "hapana"),
    contrast=("lakini",),
    questions=("nini", "lini", "wapi", "kwa nini", "vipi", "saa ngapi"),
)
