# ruff: noqa: RUF001 -- replies in many scripts, typed as patients type them.
"""Every language: replies as patients type them (typos, emoji, no accents) -> intents."""

from __future__ import annotations

import pytest

from dialogs.understanding import Context, Intent, classify
from dialogs.understanding.languages import LANGUAGES, TABLES
from dialogs.understanding.table import LanguageTable

C, X, R, A, L, U = (
    Intent.CONFIRM,
    Intent.CANCEL,
    Intent.RESCHEDULE,
    Intent.ARRIVED,
    Intent.LEAVE_WAITLIST,
    Intent.UNKNOWN,
)

# (reply, intent) in a reminder context, per language.
CASES: dict[str, list[tuple[str, Intent]]] = {
    "en": [
        ("Yes", C), ("yesss!!", C), ("Yeah 👍", C), ("ok thanks", C), ("I'll be there", C),
        ("see you then :)", C), ("Confirmed, thank you", C), ("confrim", C), ("No", X),
        ("nope", X), ("Can't make it", X), ("I won't make it tomorrow", X),
        ("Please cancel my appointment", X), ("cancle", X), ("need a different day", R),
        ("can I change the time?", R), ("resceduel", R), ("I'm here", A),
        ("in the parking lot", A), ("remove me from the waitlist", L), ("what time?", U),
        ("yes but I need to cancel", U), ("not sure", U), ("I don't want to cancel", U),
    ],
    "es": [
        ("Sí", C), ("si", C), ("SIII", C), ("Sí, ahí estaré", C), ("claro que si 👍", C),
        ("confirmo mi cita", C), ("No", X), ("no puedo ir", X), ("No podré asistir", X),
        ("quiero cancelar mi cita", X), ("cancelar", X), ("reprogramar", R),
        ("¿Puedo cambiar la hora?", R), ("otro día por favor", R), ("ya llegué", A),
        ("estoy en el estacionamiento", A), ("sáquenme de la lista de espera", L),
        ("¿a qué hora es?", U), ("si pero no puedo ir", U),
    ],
    "pt": [
        ("Sim", C), ("sim, estarei lá", C), ("Confirmo", C), ("Não", X), ("nao posso ir", X),
        ("quero cancelar a consulta", X), ("desmarcar", X), ("remarcar", R),
        ("outro dia", R), ("cheguei", A), ("me tire da lista de espera", L),
        ("sim mas não posso", U),
    ],
    "fr": [
        ("Oui", C), ("oui merci", C), ("Je confirme", C), ("j'y serai", C), ("Non", X),
        ("je ne peux pas venir", X), ("annuler le rendez-vous", X), ("je veux annuler", X),
        ("reporter le rendez-vous", R), ("un autre jour", R), ("je suis arrivée", A),
        ("quitter la liste d'attente", L), ("ne pas annuler", U),
    ],
    "ht": [
        ("Wi", C), ("wi mesi", C), ("M ap la", C), ("Non", X), ("mwen pa ka vini", X),
        ("anile randevou a", X), ("yon lot jou", R), ("mwen rive", A),
    ],
    "vi": [
        ("Có", C), ("Dạ vâng", C), ("vang a", C), ("tôi sẽ đến", C), ("Không", X),
        ("khong den duoc", X), ("hủy lịch hẹn", X), ("huy hen", X), ("đổi lịch", R),
        ("tôi đến rồi", A), ("dạ không", X),
    ],
    "zh": [
        ("是", C), ("好的", C), ("好的，谢谢", C), ("我会准时到", C), ("确认", C), ("確認", C),
        ("不", X), ("我明天去不了", X), ("取消预约", X), ("取消預約", X), ("改时间", R),
        ("可以改时间吗？", R), ("我到了", A), ("退出候补名单", L), ("几点？", U),
        ("不要取消", U),
    ],
    "ko": [
        ("네", C), ("네 감사합니다", C), ("넵", C), ("갈게요", C), ("아니요", X),
        ("못 가요", X), ("예약 취소해 주세요", X), ("취소할게요", X), ("일정 변경", R),
        ("도착했어요", A), ("취소하지 마세요", U),
    ],
    "ru": [
        ("Да", C), ("да, буду", C), ("Подтверждаю", C), ("Нет", X), ("не смогу прийти", X),
        ("отмените запись", X), ("перенести запись", R), ("я на месте", A),
        ("удалите меня из списка ожидания", L), ("не отменяйте", U),
    ],
    "ar": [
        ("نعم", C), ("نعم سأحضر", C), ("تمام", C), ("لا", X), ("لا أستطيع الحضور", X),
        ("إلغاء الموعد", X), ("الغاء الموعد", X), ("تغيير الموعد", R), ("وصلت", A),
    ],
    "tl": [
        ("Oo", C), ("opo", C), ("oo po, pupunta ako", C), ("sige po", C), ("Hindi po", X),
        ("hindi po ako makakapunta", X), ("paki cancel po", X), ("ibang araw po", R),
        ("nandito na po ako", A),
    ],
    "pl": [
        ("Tak", C), ("tak, będę", C), ("potwierdzam", C), ("Nie", X), ("nie mogę przyjść", X),
        ("odwołuję wizytę", X), ("zmienić termin", R), ("jestem na miejscu", A),
    ],
    "it": [
        ("Sì", C), ("si grazie", C), ("ci sarò", C), ("No", X), ("non posso venire", X),
        ("vorrei annullare l'appuntamento", X), ("spostare l'appuntamento", R),
        ("sono arrivata", A), ("sì ma non posso", U),
    ],
    "de": [
        ("Ja", C), ("ja, ich komme", C), ("Bestätigt", C), ("Nein", X),
        ("ich kann leider nicht kommen", X), ("Termin absagen", X), ("termin verschieben", R),
        ("ich bin da", A), ("bitte nicht absagen", U),
    ],
    "hi": [
        ("हाँ", C), ("हां जी", C), ("मैं आऊंगा", C), ("haan ji", C), ("नहीं", X),
        ("मैं नहीं आ सकता", X), ("रद्द करें", X), ("cancel kar do", X), ("समय बदलें", R),
        ("मैं पहुँच गया", A), ("रद्द मत करो", U),
    ],
    "ja": [
        ("はい", C), ("はい、行きます", C), ("了解しました", C), ("いいえ", X),
        ("明日は行けません", X), ("キャンセルします", X), ("予約変更お願いします", R),
        ("着きました", A), ("キャンセルしないでください", U), ("何時ですか？", U),
    ],
    "uk": [
        ("Так", C), ("так, буду", C), ("Ні", X), ("не зможу прийти", X),
        ("скасуйте запис", X), ("перенести запис", R), ("я на місці", A),
    ],
    "fa": [
        ("بله", C), ("آره", C), ("حتما میام", C), ("نه", X), ("نمی‌تونم بیام", X),
        ("لغو نوبت", X), ("تغییر نوبت", R), ("رسیدم", A),
    ],
    "ur": [
        ("ہاں", C), ("جی ہاں", C), ("میں آؤں گا", C), ("نہیں", X), ("میں نہیں آ سکتا", X),
        ("منسوخ کریں", X), ("وقت تبدیل کریں", R), ("میں پہنچ گیا ہوں", A),
    ],
    "bn": [
        ("হ্যাঁ", C), ("আমি আসব", C), ("না", X), ("আমি আসতে পারব না", X), ("বাতিল করুন", X),
        ("অন্য দিন", R), ("আমি পৌঁছেছি", A), ("বাতিল করবেন না", U),
    ],
    "pa": [
        ("ਹਾਂ", C), ("ਹਾਂ ਜੀ", C), ("ਮੈਂ ਆਵਾਂਗਾ", C), ("ਨਹੀਂ", X), ("ਮੈਂ ਨਹੀਂ ਆ ਸਕਦਾ", X),
        ("ਰੱਦ ਕਰੋ", X), ("ਸਮਾਂ ਬਦਲੋ", R), ("ਮੈਂ ਪਹੁੰਚ ਗਿਆ", A),
    ],
    "gu": [
        ("હા", C), ("હું આવીશ", C), ("ના", X), ("હું નહીં આવી શકું", X), ("રદ કરો", X),
        ("સમય બદલો", R), ("હું પહોંચી ગયો", A),
    ],
    "so": [
        ("Haa", C), ("haa waan imaan doonaa", C), ("Maya", X), ("ma imaan karo", X),
        ("baaji ballanta", X), ("maalin kale", R), ("waan imid", A),
    ],
    "am": [
        ("አዎ", C), ("እሺ", C), ("እመጣለሁ", C), ("አይ", X), ("አልመጣም", X), ("ሰርዝ", X),
        ("ሌላ ቀን", R), ("ደርሻለሁ", A),
    ],
    "tr": [
        ("Evet", C), ("tamam, geleceğim", C), ("Hayır", X), ("HAYIR", X), ("gelemeyeceğim", X),
        ("randevuyu iptal et", X), ("başka gün", R), ("geldim", A), ("sorun yok", C),
        ("iptal etmeyin", U),
    ],
    "el": [
        ("Ναι", C), ("ναι θα έρθω", C), ("ΝΑΙ", C), ("Όχι", X), ("οχι", X),
        ("δεν μπορώ να έρθω", X), ("ακυρώστε το ραντεβού", X), ("άλλη μέρα", R),
        ("έφτασα", A),
    ],
    "hy": [
        ("Այո", C), ("կգամ", C), ("Ոչ", X), ("չեմ կարող գալ", X), ("չեղարկել", X),
        ("այլ օր", R), ("եկել եմ", A),
    ],
    "hmn": [
        ("Yog", C), ("kuv yuav tuaj", C), ("tsis yog", X), ("kuv tuaj tsis tau", X),
        ("lwm hnub", R), ("kuv tuaj txog lawm", A),
    ],
    "km": [
        ("បាទ", C), ("ចាស", C), ("ខ្ញុំនឹងមក", C), ("ទេ", X), ("ខ្ញុំមកមិនបាន", X),
        ("លុបចោល", X), ("ប្តូរពេល", R), ("ខ្ញុំមកដល់ហើយ", A),
    ],
    "lo": [
        ("ແມ່ນ", C), ("ຂ້ອຍຈະມາ", C), ("ບໍ່", X), ("ຂ້ອຍມາບໍ່ໄດ້", X), ("ຍົກເລີກ", X),
        ("ປ່ຽນເວລາ", R), ("ມາຮອດແລ້ວ", A),
    ],
    "th": [
        ("ใช่", C), ("ครับ", C), ("ได้ค่ะ", C), ("ไม่", X), ("ไปไม่ได้ครับ", X), ("ยกเลิกนัด", X),
        ("เลื่อนนัด", R), ("ถึงแล้วค่ะ", A), ("ไม่แน่ใจ", U), ("ไม่ยกเลิก", U),
    ],
    "he": [
        ("כן", C), ("כן, אגיע", C), ("לא", X), ("לא אוכל להגיע", X), ("לבטל את התור", X),
        ("יום אחר", R), ("הגעתי", A),
    ],
    "nl": [
        ("Ja", C), ("ja, ik kom", C), ("Nee", X), ("ik kan niet komen", X),
        ("afspraak annuleren", X), ("afspraak verzetten", R), ("ik ben er", A),
    ],
    "ro": [
        ("Da", C), ("da, voi veni", C), ("Nu", X), ("nu pot veni", X), ("anulez programarea", X),
        ("altă zi", R), ("am ajuns", A),
    ],
    "sw": [
        ("Ndiyo", C), ("sawa, nitakuja", C), ("Hapana", X), ("siwezi kuja", X), ("ghairi", X),
        ("siku nyingine", R), ("nimefika", A),
    ],
    "ne": [
        ("हो", C), ("हुन्छ", C), ("म आउँछु", C), ("होइन", X), ("म आउन सक्दिन", X),
        ("रद्द गर्नुहोस्", X), ("अर्को दिन", R), ("म आइपुगें", A),
    ],
    "my": [
        ("ဟုတ်ကဲ့", C), ("လာပါမယ်", C), ("မဟုတ်ဘူး", X), ("မလာနိုင်ပါ", X), ("ပယ်ဖျက်", X),
        ("ရက်ပြောင်း", R), ("ရောက်ပြီ", A),
    ],
}  # fmt: skip

# One reply per language that only that language's table knows.
DISTINCTIVE = {code: cases[0][0] for code, cases in CASES.items()}
DISTINCTIVE.update({"es": "no puedo ir", "it": "ci sarò", "de": "Nein", "nl": "ik kan niet komen",
                    "ro": "nu pot veni", "ht": "mwen pa ka vini", "vi": "tôi sẽ đến"})  # fmt: skip


def test_every_language_has_cases() -> None:
    assert set(CASES) == set(LANGUAGES)
    assert len(LANGUAGES) >= 32


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [(code, text, intent) for code, cases in CASES.items() for text, intent in cases],
)
def test_reply_is_understood(code: str, text: str, expected: Intent) -> None:
    result = classify(text, context=Context.REMINDER)
    assert result.intent is expected, (text, result)
    if expected is Intent.UNKNOWN:
        assert result.language is None and result.confidence == 0.0
    else:
        assert result.language in (code, None), (text, result)
        assert 0.5 <= result.confidence <= 1.0


@pytest.mark.parametrize(("code", "text"), sorted(DISTINCTIVE.items()))
def test_language_is_detected(code: str, text: str) -> None:
    assert classify(text).language == code


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.code)
def test_hint_names_the_language_of_shared_words(table: LanguageTable) -> None:
    assert classify("ok", language_hint=table.code).language == table.code
    assert classify("👍", language_hint=table.code).language == table.code
