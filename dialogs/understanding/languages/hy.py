# ruff: noqa: RUF001 -- the table holds letters of its own script on purpose.
"""Armenian replies."""

from dialogs.understanding.table import LanguageTable

__all__ = ["TABLE"]

TABLE = LanguageTable(
    code="hy",
    name="Armenian",
    yes=("այո",),
    no=("ոչ", "չէ"),
    affirm=("լավ", "համաձայն եմ", "իհարկե", "օքեյ"),
    confirm=("կգամ", "ես կգամ", "հաստատում եմ"),
    decline=("չեմ կարող գալ", "չեմ գա", "չեմ կարող"),
    cancel=("չեղարկել", "չեղարկեք", "չեղարկել այցը"),
    reschedule=("այլ օր", "ուրիշ օր", "այլ ժամ", "փոխել ժամը"),
    arrived=("եկել եմ", "տեղում եմ", "ես այստեղ եմ", "հասել եմ"),
    help=("=օգնություն",),
    neutral=("շնորհակալություն", "մերսի", "խնդրում եմ", "բարև", "վաղը", "այսօր", "բժիշկ", "ես"),
    negators=("ոչ", "մի"),
    contrast=("բայց",),
    questions=("ինչ", "երբ", "որտեղ", "ինչու", "ինչպես"),
)
