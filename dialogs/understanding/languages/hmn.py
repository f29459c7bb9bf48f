"""Hmong (White Hmong, RPA spelling) replies. Hmong has no ISO 639-1 code: ISO 639-2 "hmn"."""

from dialogs.understanding.table import LanguageTable

__all__ = ["TABLE"]

TABLE = LanguageTable(
    code="hmn",
    name="Hmong",
    yes=("yog",),
    no=("tsis yog", "tsis"),
    affirm=("aws", "yog lawm", "zoo", "ua li", "=tau"),
    confirm=("kuv yuav tuaj", "yuav tuaj", "kuv tuaj"),
    decline=("kuv tuaj tsis tau", "tuaj tsis tau", "kuv yuav tsis tuaj", "kuv tsis tuaj"),
    reschedule=("hloov hnub", "lwm hnub", "hloov sijhawm"),
    arrived=("kuv tuaj txog lawm", "tuaj txog lawm", "kuv nyob ntawm no"),
    help=("=pab",),
    neutral=("ua tsaug", "nyob zoo", "kuv", "tag kis", "hnub no", "thov"),
    negators=("tsis", "tsis txhob"),
    contrast=("tiam sis", "tab sis", "tabsis"),
    questions=("dab tsi", "thaum twg", "qhov twg", "vim li cas", "li cas"),
)
