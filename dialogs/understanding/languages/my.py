"""Burmese replies (Unicode encoding; Zawgyi-encoded text is not recognised)."""

from dialogs.understanding.table import LanguageTable

__all__ = ["TABLE"]

TABLE = LanguageTable(
    code="my",
    name="Burmese",
    yes=("ဟုတ်ကဲ့", "ဟုတ်"),
    no=("မဟုတ်ဘူး", "ဟင့်အင်း"),
    affirm=("ရပါတယ်", "ကောင်းပါပြီ", "အိုကေ", "ဟုတ်ကဲ့ပါ"),
    confirm=("လာပါမယ်", "လာမယ်", "အတည်ပြုပါတယ်"),
    decline=("မလာနိုင်ပါ", "မလာနိုင်ဘူး", "မလာတော့ဘူး", "လာလို့မရဘူး"),
    cancel=("ပယ်ဖျက်", "ဖျက်ပါ"),
    reschedule=("ရက်ပြောင်း", "အချိန်ပြောင်း", "ရက်ရွှေ့"),
    arrived=("ရောက်ပြီ", "ရောက်ပါပြီ", "ရောက်နေပြီ"),
    help=("=အကူအညီ",),
    neutral=(
        "ကျေးဇူးတင်ပါတယ်",
        "ကျေးဇူးပါ",
        "မင်္ဂလာပါ",
        "မနက်ဖြန်",
        "ဒီနေ့",
        "ကျွန်တော်",
        "ကျွန်မ",
        "ပါ",
    ),
    negators=("ဘူး", "ပါနဲ့"),
    contrast=("ဒါပေမယ့်",),
    questions=("ဘာ", "ဘယ်"),
    question_particles=("လား",),
)
