"""Lao replies."""

from dialogs.understanding.table import LanguageTable

__all__ = ["TABLE"]

TABLE = LanguageTable(
    code="lo",
    name="Lao",
    yes=("ແມ່ນ", "=ເຈົ້າ"),
    no=("=ບໍ່", "ບໍ່ແມ່ນ"),
    affirm=("ໂອເຄ", "=ໄດ້", "ຕົກລົງ"),
    confirm=("ຂ້ອຍຈະມາ", "ຈະມາ", "ຢືນຢັນ"),
    decline=("ມາບໍ່ໄດ້", "ຂ້ອຍມາບໍ່ໄດ້", "ບໍ່ມາ"),
    cancel=("ຍົກເລີກ",),
    reschedule=("ປ່ຽນເວລາ", "ປ່ຽນມື້", "ເລື່ອນນັດ"),
    arrived=("ມາຮອດແລ້ວ", "ຮອດແລ້ວ", "ຂ້ອຍຢູ່ນີ້"),
    help=("=ຊ່ວຍເຫຼືອ",),
    neutral=("ຂອບໃຈ", "ຂອບໃຈຫຼາຍໆ", "ສະບາຍດີ", "ຂ້ອຍ", "ມື້ອື່ນ", "ມື້ນີ້", "ນັດ"),
    negators=("ບໍ່", "ຢ່າ"),
    contrast=("ແຕ່",),
    questions=("ຫຍັງ", "ເມື່ອໃດ", "ເປັນຫຍັງ", "ຈັກໂມງ"),
)
