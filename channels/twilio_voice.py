# ruff: noqa: RUF001 -- the voice wording tables hold letters of their own scripts on purpose.
"""Voice through Twilio: TwiML for reminder calls and inbound calls, keypad and speech answers,
and the outbound call sender.

A call speaks its message (``Say``) in the patient's language where Twilio has a voice for it,
then a ``Gather`` takes one key or a short spoken answer: 1 confirm, 2 cancel, 3 reschedule,
9 repeat. Answering machines hear the message without the menu.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

from twilio.twiml.voice_response import Gather, VoiceResponse

from channels import _twilio_fields as f
from domain.errors import ValidationError

__all__ = [
    "KEYPAD",
    "VoiceAnswer",
    "VoiceWebhookForm",
    "answer_twiml",
    "dial_twiml",
    "hangup_twiml",
    "is_machine",
    "parse_answer",
    "prompt_twiml",
    "say_language",
]

KEYPAD = {"1": "confirm", "2": "cancel", "3": "reschedule", "9": "repeat"}
"""What each key means; the word is the text the dialogs receive."""

# Twilio <Say> language and voice, keyed by our language codes. Twilio's standard locales
# (the former "alice" list) speak with the account's default voice for the language, so they
# name no voice; languages Twilio speaks only through Google or Amazon Polly voices name one,
# since <Say language> alone would fall back to an English voice. Checked against Twilio's
# Text-to-Speech voice list (twilio.com/docs/voice/twiml/say/text-speech). Farsi, Haitian
# Creole and Urdu have no Twilio voice: those callers hear English.
_SAY: dict[str, tuple[str, str | None]] = {
    "en": ("en-US", None), "es": ("es-MX", None), "fr": ("fr-FR", None),
    "pt": ("pt-BR", None), "de": ("de-DE", None), "it": ("it-IT", None),
    "nl": ("nl-NL", None), "pl": ("pl-PL", None), "ru": ("ru-RU", None),
    "zh": ("zh-CN", None), "ja": ("ja-JP", None), "ko": ("ko-KR", None),
    "da": ("da-DK", None), "fi": ("fi-FI", None), "nb": ("nb-NO", None),
    "sv": ("sv-SE", None), "ca": ("ca-ES", None),
    "ar": ("ar-XA", "Google.ar-XA-Standard-A"), "bn": ("bn-IN", "Google.bn-IN-Standard-C"),
    "cs": ("cs-CZ", "Google.cs-CZ-Standard-A"), "el": ("el-GR", "Google.el-GR-Standard-A"),
    "he": ("he-IL", "Google.he-IL-Standard-A"), "hi": ("hi-IN", "Google.hi-IN-Standard-A"),
    "hu": ("hu-HU", "Google.hu-HU-Standard-A"), "id": ("id-ID", "Google.id-ID-Standard-A"),
    "ro": ("ro-RO", "Google.ro-RO-Standard-A"), "th": ("th-TH", "Google.th-TH-Standard-A"),
    "tl": ("fil-PH", "Google.fil-PH-Standard-A"), "tr": ("tr-TR", "Google.tr-TR-Standard-A"),
    "uk": ("uk-UA", "Google.uk-UA-Standard-A"), "vi": ("vi-VN", "Google.vi-VN-Standard-A"),
}
_SAY_REGIONAL = {
    "en-GB", "en-AU", "en-CA", "en-IN", "es-ES", "es-US", "fr-CA", "pt-PT", "zh-TW", "zh-HK",
}
# Speech recognition (<Gather language>) where it differs from the <Say> locale.
_HEAR = {"ar": "ar-SA"}
_ENGLISH = ("en-US", None)

# Our own words for the menu and the call's short lines, in every language Twilio speaks
# (zh-TW in Traditional characters); others hear the English words in the English voice.
_MENU = {
    "en": "Press 1 to confirm, 2 to cancel, 3 to reschedule, or 9 to hear this again.",
    "es": "Marque 1 para confirmar, 2 para cancelar, 3 para cambiar la cita, "
          "o 9 para volver a escuchar.",
    "fr": "Appuyez sur 1 pour confirmer, 2 pour annuler, 3 pour changer de rendez-vous, "
          "ou 9 pour réécouter ce message.",
    "pt": "Pressione 1 para confirmar, 2 para cancelar, 3 para remarcar "
          "ou 9 para ouvir esta mensagem novamente.",
    "de": "Drücken Sie die 1 zum Bestätigen, die 2 zum Absagen, die 3 zum Verschieben "
          "oder die 9, um diese Nachricht noch einmal zu hören.",
    "it": "Prema 1 per confermare, 2 per annullare, 3 per spostare l'appuntamento, "
          "oppure 9 per riascoltare questo messaggio.",
    "nl": "Druk op 1 om te bevestigen, 2 om te annuleren, 3 om te verzetten, "
          "of 9 om dit bericht nogmaals te horen.",
    "pl": "Prosimy nacisnąć 1, aby potwierdzić, 2, aby odwołać, 3, aby zmienić termin, "
          "lub 9, aby odsłuchać tę wiadomość ponownie.",
    "ru": "Нажмите 1, чтобы подтвердить, 2 — чтобы отменить, 3 — чтобы перенести приём, "
          "или 9, чтобы прослушать сообщение ещё раз.",
    "uk": "Натисніть 1, щоб підтвердити, 2 — щоб скасувати, 3 — щоб перенести прийом, "
          "або 9, щоб прослухати повідомлення ще раз.",
    "cs": "Pro potvrzení stiskněte 1, pro zrušení 2, pro změnu termínu 3, "
          "nebo 9 pro opakování této zprávy.",
    "da": "Tryk 1 for at bekræfte, 2 for at aflyse, 3 for at flytte tiden "
          "eller 9 for at høre beskeden igen.",
    "nb": "Trykk 1 for å bekrefte, 2 for å avbestille, 3 for å flytte timen "
          "eller 9 for å høre meldingen på nytt.",
    "sv": "Tryck 1 för att bekräfta, 2 för att avboka, 3 för att boka om "
          "eller 9 för att höra meddelandet igen.",
    "el": "Πατήστε 1 για επιβεβαίωση, 2 για ακύρωση, 3 για αλλαγή ραντεβού "
          "ή 9 για να ακούσετε ξανά το μήνυμα.",
    "hu": "A megerősítéshez nyomja meg az 1-est, a lemondáshoz a 2-est, az időpont "
          "módosításához a 3-ast, az üzenet újrahallgatásához pedig a 9-est.",
    "ro": "Apăsați 1 pentru confirmare, 2 pentru anulare, 3 pentru reprogramare "
          "sau 9 pentru a asculta din nou acest mesaj.",
    "tr": "Onaylamak için 1'e, iptal etmek için 2'ye, randevuyu değiştirmek için 3'e, "
          "bu mesajı yeniden dinlemek için 9'a basın.",
    "ar": "للتأكيد اضغط 1، وللإلغاء اضغط 2، ولتغيير الموعد اضغط 3، "
          "ولسماع هذه الرسالة مرة أخرى اضغط 9.",
    "he": "לאישור הקש 1, לביטול הקש 2, לשינוי מועד הקש 3, ולשמיעת ההודעה שוב הקש 9.",
    "hi": "पुष्टि के लिए 1 दबाएँ, रद्द करने के लिए 2, समय बदलने के लिए 3, "
          "या यह संदेश दोबारा सुनने के लिए 9 दबाएँ।",
    "bn": "নিশ্চিত করতে 1 চাপুন, বাতিল করতে 2, সময় বদলাতে 3, "
          "আর বার্তাটি আবার শুনতে 9 চাপুন।",
    "id": "Tekan 1 untuk konfirmasi, 2 untuk membatalkan, 3 untuk mengganti jadwal, "
          "atau 9 untuk mendengarkan pesan ini lagi.",
    "tl": "Pindutin ang 1 para kumpirmahin, 2 para kanselahin, 3 para baguhin ang oras, "
          "o 9 para marinig muli ang mensaheng ito.",
    "th": "กด 1 เพื่อยืนยัน กด 2 เพื่อยกเลิก กด 3 เพื่อเลื่อนนัด "
          "หรือกด 9 เพื่อฟังข้อความนี้อีกครั้ง",
    "vi": "Bấm 1 để xác nhận, 2 để hủy, 3 để đổi lịch hẹn, hoặc 9 để nghe lại tin nhắn này.",
    "zh": "确认请按1，取消请按2，改约请按3，重听请按9。",
    "zh-TW": "確認請按1，取消請按2，改約請按3，重聽請按9。",
    "ja": "確認は1を、キャンセルは2を、日時の変更は3を、"
          "もう一度お聞きになる場合は9を押してください。",
    "ko": "확인하시려면 1번, 취소하시려면 2번, 일정을 변경하시려면 3번, "
          "다시 들으시려면 9번을 눌러 주세요.",
}
_GOODBYE = {
    "en": "Thank you. Goodbye.", "es": "Gracias. Adiós.", "fr": "Merci. Au revoir.",
    "pt": "Obrigado. Até logo.", "de": "Vielen Dank. Auf Wiederhören.",
    "it": "Grazie. Arrivederci.", "nl": "Dank u wel. Tot ziens.",
    "pl": "Dziękujemy. Do widzenia.", "ru": "Спасибо. До свидания.",
    "uk": "Дякуємо. До побачення.", "cs": "Děkujeme. Na shledanou.", "da": "Tak. Farvel.",
    "nb": "Takk. Ha det bra.", "sv": "Tack. Hej då.", "el": "Ευχαριστούμε. Αντίο σας.",
    "hu": "Köszönjük. Viszonthallásra.", "ro": "Vă mulțumim. La revedere.",
    "tr": "Teşekkürler. İyi günler.", "ar": "شكرًا لك. مع السلامة.", "he": "תודה, להתראות.",
    "hi": "धन्यवाद। नमस्ते।", "bn": "ধন্যবাদ। ভালো থাকবেন।",
    "id": "Terima kasih. Sampai jumpa.", "tl": "Salamat po. Paalam.",
    "th": "ขอบคุณค่ะ สวัสดีค่ะ", "vi": "Xin cảm ơn và chào tạm biệt quý vị.",
    "zh": "谢谢，再见。", "zh-TW": "謝謝，再見。",
    "ja": "ありがとうございました。失礼いたします。", "ko": "감사합니다. 안녕히 계세요.",
}
_CONNECTING = {
    "en": "Please hold while we connect your call.",
    "es": "Espere por favor, le estamos comunicando.",
    "fr": "Veuillez patienter, nous transférons votre appel.",
    "pt": "Aguarde um momento enquanto transferimos sua ligação.",
    "de": "Bitte bleiben Sie dran, wir verbinden Sie.",
    "it": "Attenda in linea, stiamo trasferendo la sua chiamata.",
    "nl": "Een ogenblik geduld, we verbinden u door.",
    "pl": "Prosimy czekać, łączymy rozmowę.",
    "ru": "Пожалуйста, оставайтесь на линии, мы соединяем вас.",
    "uk": "Будь ласка, залишайтеся на лінії, ми з'єднуємо вас.",
    "cs": "Vydržte prosím, přepojujeme Váš hovor.",
    "da": "Et øjeblik, vi stiller dig videre.",
    "nb": "Et øyeblikk, vi setter deg over.",
    "sv": "Ett ögonblick, vi kopplar ditt samtal.",
    "el": "Παρακαλούμε περιμένετε, συνδέουμε την κλήση σας.",
    "hu": "Kérjük, tartsa a vonalat, kapcsoljuk.",
    "ro": "Vă rugăm să așteptați, vă facem legătura.",
    "tr": "Lütfen bekleyin, aramanızı bağlıyoruz.",
    "ar": "يُرجى الانتظار، جارٍ تحويل مكالمتك.",
    "he": "אנא המתן, אנחנו מעבירים את שיחתך.",
    "hi": "कृपया प्रतीक्षा करें, आपकी कॉल जोड़ी जा रही है।",
    "bn": "অনুগ্রহ করে অপেক্ষা করুন, আপনার কলটি সংযুক্ত করা হচ্ছে।",
    "id": "Mohon tunggu, panggilan Anda sedang kami sambungkan.",
    "tl": "Sandali lang po, ikinokonekta namin ang inyong tawag.",
    "th": "กรุณารอสักครู่ กำลังโอนสายของคุณ",
    "vi": "Xin vui lòng chờ trong giây lát, chúng tôi đang nối máy cho quý vị.",
    "zh": "请稍候，正在为您转接。", "zh-TW": "請稍候，正在為您轉接。",
    "ja": "おつなぎしますので、そのままお待ちください。",
    "ko": "연결해 드리겠습니다. 잠시만 기다려 주세요.",
}
_NO_LINE = {
    "en": "Sorry, we cannot take calls on this number. Please call your clinic directly.",
    "es": "Lo sentimos, este número no recibe llamadas. Por favor llame a su clínica.",
    "fr": "Désolé, ce numéro ne reçoit pas d'appels. Veuillez appeler directement votre "
          "cabinet.",
    "pt": "Desculpe, este número não recebe ligações. Ligue diretamente para a sua clínica.",
    "de": "Leider können wir unter dieser Nummer keine Anrufe annehmen. Bitte rufen Sie "
          "direkt Ihre Praxis an.",
    "it": "Ci scusi, questo numero non riceve chiamate. La preghiamo di chiamare "
          "direttamente il suo ambulatorio.",
    "nl": "Sorry, dit nummer neemt geen oproepen aan. Bel uw praktijk rechtstreeks.",
    "pl": "Przepraszamy, ten numer nie przyjmuje połączeń. Prosimy zadzwonić bezpośrednio "
          "do swojej placówki.",
    "ru": "Извините, этот номер не принимает звонки. Пожалуйста, позвоните напрямую в свою "
          "клинику.",
    "uk": "Вибачте, цей номер не приймає дзвінки. Будь ласка, зателефонуйте безпосередньо "
          "до своєї клініки.",
    "cs": "Omlouváme se, toto číslo nepřijímá hovory. Zavolejte prosím přímo do své "
          "ordinace.",
    "da": "Beklager, dette nummer modtager ikke opkald. Ring venligst direkte til din klinik.",
    "nb": "Beklager, dette nummeret tar ikke imot anrop. Ring klinikken din direkte.",
    "sv": "Tyvärr tar det här numret inte emot samtal. Ring din mottagning direkt.",
    "el": "Λυπούμαστε, αυτός ο αριθμός δεν δέχεται κλήσεις. Παρακαλούμε καλέστε απευθείας "
          "το ιατρείο σας.",
    "hu": "Elnézést, ezen a számon nem fogadunk hívásokat. Kérjük, hívja közvetlenül a "
          "rendelőjét.",
    "ro": "Ne pare rău, acest număr nu primește apeluri. Vă rugăm să sunați direct la "
          "clinica dumneavoastră.",
    "tr": "Üzgünüz, bu numara arama kabul etmiyor. Lütfen doğrudan kliniğinizi arayın.",
    "ar": "عذرًا، لا يستقبل هذا الرقم المكالمات. يُرجى الاتصال بعيادتك مباشرة.",
    "he": "מצטערים, מספר זה אינו מקבל שיחות. אנא התקשר ישירות למרפאה שלך.",
    "hi": "क्षमा करें, इस नंबर पर कॉल नहीं ली जाती। कृपया सीधे अपने क्लिनिक को कॉल करें।",
    "bn": "দুঃখিত, এই নম্বরে কল গ্রহণ করা হয় না। অনুগ্রহ করে সরাসরি আপনার ক্লিনিকে ফোন "
          "করুন।",
    "id": "Maaf, nomor ini tidak menerima panggilan. Silakan hubungi klinik Anda secara "
          "langsung.",
    "tl": "Paumanhin po, hindi tumatanggap ng tawag ang numerong ito. Pakitawagan nang "
          "direkta ang inyong klinika.",
    "th": "ขออภัย หมายเลขนี้ไม่รับสาย กรุณาโทรหาคลินิกของคุณโดยตรง",
    "vi": "Xin lỗi, số này không nhận cuộc gọi. Vui lòng gọi trực tiếp cho phòng khám của "
          "quý vị.",
    "zh": "抱歉，此号码无法接听来电。请直接致电您的诊所。",
    "zh-TW": "抱歉，此號碼無法接聽來電。請直接致電您的診所。",
    "ja": "申し訳ありませんが、この番号ではお電話をお受けできません。"
          "受診先のクリニックへ直接お電話ください。",
    "ko": "죄송합니다. 이 번호로는 전화를 받을 수 없습니다. 이용하시는 병원으로 직접 전화해 "
          "주세요.",
}
# A whole spoken answer (lower case, end punctuation stripped) that asks to hear it again.
_SPEECH_WORDS = {
    word: "repeat"
    for word in (
        "repeat", "again", "repetir", "otra vez", "répéter", "répétez", "encore",
        "encore une fois", "repita", "de novo", "wiederholen", "noch einmal", "nochmal",
        "ripetere", "ripeti", "di nuovo", "ancora", "herhalen", "herhaal", "nog een keer",
        "opnieuw", "powtórz", "powtórzyć", "jeszcze raz", "повторить", "повторите",
        "ещё раз", "еще раз", "повторити", "повторіть", "ще раз", "opakovat", "zopakovat",
        "znovu", "ještě jednou", "gentag", "igen", "en gang til", "gjenta", "igjen",
        "upprepa", "en gång till", "επανάληψη", "επαναλάβετε", "ξανά", "ismétlés",
        "ismételje", "még egyszer", "újra", "repetă", "repetați", "încă o dată", "din nou",
        "tekrar", "tekrarla", "bir daha", "كرر", "أعد", "مرة أخرى", "إعادة", "חזור", "שוב",
        "עוד פעם", "दोहराएं", "दोहराइए", "दोबारा", "फिर से", "আবার", "আবার বলুন", "পুনরায়",
        "ulangi", "sekali lagi", "ulitin", "ulit", "isa pa", "อีกครั้ง", "พูดอีกครั้ง",
        "ซ้ำ", "nhắc lại", "lặp lại", "nghe lại", "重复", "再说一遍", "再听一遍", "重複",
        "再說一遍", "再聽一遍", "もう一度", "もう一回", "繰り返し", "다시", "반복",
        "다시 들려주세요",
    )
}
_END_PUNCTUATION = " .!?¡¿。？！،؟।"


def _base(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


def _voice(language: str) -> tuple[str, str | None]:
    """The Twilio ``Say`` language and voice (None: the account's default for the language)
    for one of ours; English where Twilio has none."""
    tag = language.replace("_", "-")
    if tag in _SAY_REGIONAL:
        return tag, None
    return _SAY.get(_base(tag), _ENGLISH)


def say_language(language: str) -> str:
    """The Twilio ``Say`` language for one of ours; English where Twilio has none."""
    return _voice(language)[0]


def _hear_language(language: str) -> str:
    """The ``Gather`` speech-recognition language: the ``Say`` one unless Twilio recognises
    the language under another tag."""
    lang = say_language(language)
    return _HEAR.get(_base(language), lang) if lang != "en-US" else lang


def _words(table: Mapping[str, str], language: str) -> tuple[str, str]:
    """Our words from ``table`` for ``language`` (exact tag, then base language) and the
    language to speak them in; English words in the English voice otherwise."""
    tag = language.replace("_", "-")
    base = _base(tag)
    if tag in table:
        return table[tag], tag
    if base in table and _voice(tag) != _ENGLISH:
        return table[base], tag
    return table["en"], "en"


def _say(parent: VoiceResponse | Gather, text: str, language: str) -> None:
    """``<Say>`` ``text`` with the language and voice Twilio speaks ``language`` with."""
    lang, voice = _voice(language)
    parent.say(text, language=lang, voice=voice)


class VoiceWebhookForm(TypedDict, total=False):
    """The fields of Twilio's voice webhook that Careline reads."""

    CallSid: str
    AccountSid: str
    From: str
    To: str
    Direction: str
    CallStatus: str
    AnsweredBy: str
    Digits: str
    SpeechResult: str
    Confidence: str


@dataclass(frozen=True, slots=True)
class VoiceAnswer:
    """A caller's answer to a menu.

    Attributes:
        text: what the dialogs receive: the key's word ("confirm") or the spoken words.
        digits: the key pressed, if any.
        intent: the key's meaning (confirm, cancel, reschedule, repeat), or None.
        speech: True when the answer was spoken.
    """

    text: str
    digits: str | None
    intent: str | None
    speech: bool

    @property
    def repeat(self) -> bool:
        return self.intent == "repeat"


def parse_answer(form: Mapping[str, str]) -> VoiceAnswer | None:
    """The answer carried by a ``Gather`` callback (None when the caller gave none).

    Raises:
        ValidationError: ``Digits`` holds something other than keypad keys.
    """
    digits = f.optional(form, "Digits", max_length=32).strip()
    if digits:
        if any(ch not in "0123456789*#" for ch in digits):
            raise ValidationError("Digits", "must be keypad keys")
        key = digits[0]
        intent = KEYPAD.get(key)
        return VoiceAnswer(intent or digits, key, intent, False)
    speech = " ".join(f.optional(form, "SpeechResult", max_length=2000).split())
    if not speech:
        return None
    cleaned = speech.lower().strip(_END_PUNCTUATION)
    intent = _SPEECH_WORDS.get(cleaned)
    return VoiceAnswer(speech, None, intent, True)


def is_machine(form: Mapping[str, str]) -> bool:
    """Whether Twilio's answering machine detection says no person answered."""
    answered_by = form.get("AnsweredBy", "")
    return answered_by.startswith("machine") or answered_by == "fax"


def prompt_twiml(text: str, language: str, *, action: str) -> str:
    """Speak ``text`` and offer the menu; the answer is posted to ``action``."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf speech", num_digits=1, action=action, method="POST", timeout=6,
        language=_hear_language(language), hints="confirm, cancel, reschedule, repeat",
    )
    _say(gather, text, language)
    _say(gather, *_words(_MENU, language))
    _say(response, *_words(_GOODBYE, language))
    response.hangup()
    return str(response)


def answer_twiml(replies: Sequence[str], language: str) -> str:
    """Speak the replies (or a goodbye) and hang up."""
    response = VoiceResponse()
    for reply in replies:
        _say(response, reply, language)
    if not replies:
        _say(response, *_words(_GOODBYE, language))
    response.hangup()
    return str(response)


def hangup_twiml(text: str, language: str) -> str:
    """Speak ``text`` without a menu and hang up (answering machines)."""
    response = VoiceResponse()
    _say(response, text, language)
    response.hangup()
    return str(response)


def dial_twiml(number: str | None, language: str) -> str:
    """Forward the call to ``number``; without one, say the line takes no calls."""
    response = VoiceResponse()
    if number is None:
        _say(response, *_words(_NO_LINE, language))
        response.hangup()
        return str(response)
    _say(response, *_words(_CONNECTING, language))
    response.dial(number)
    return str(response)
