"""Reference data every installation needs, and the demo directory (invented people and companies)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models.clients import ContactLevel, Potential, PurchaseFrequency
from app.models.directory import Employee, Role
from app.models.reference import LinkKind, ReferenceLink, ReferenceTerm, TermKind
from app.schemas.clients import ClientCreate, ContactCreate, Messenger, MessengerKind
from app.schemas.directory import DepartmentCreate, EmployeeCreate
from app.schemas.reference import LinkCreate, TermCreate
from app.services.clients import ClientService
from app.services.directory import DepartmentService, EmployeeService
from app.services.receivables.rates import KeyRateService
from app.services.reference import ReferenceService
from app.services.unit_of_work import UnitOfWork

# The departments of the regulation's directory.
DEPARTMENTS = [
    ("administration", "Административный отдел"),
    ("service", "Отдел сервиса"),
    ("supply", "Отдел обеспечения (снабжение)"),
    ("warehouse", "Склад"),
    ("shop", "Магазин"),
    ("workshop", "Швейный цех"),
    ("finance", "Отдел финансов"),
    ("quality", "Отдел квалификации и качества"),
]

LINKS = [
    (LinkKind.CHAT, "Чат «Косяки в документах»", "https://chat.example.com/document-errors"),
    (LinkKind.CHAT, "Чат «Логотипы ЩЦ»", "https://chat.example.com/workshop-logos"),
    (LinkKind.CHAT, "Чат «Швейный цех»", "https://chat.example.com/workshop"),
    (LinkKind.CHAT, "Чат «Нестандартные позиции»", "https://chat.example.com/nonstandard-items"),
    (LinkKind.CHAT, "Чат «Тех. задания швейный цех»", "https://chat.example.com/workshop-specs"),
    (LinkKind.CHAT, "Чат «Доставка»", "https://chat.example.com/delivery"),
    (LinkKind.CHAT, "Чат «Заявки на склад»", "https://chat.example.com/warehouse-orders"),
    (LinkKind.CHAT, "Чат «Сервис в AMO»", "https://chat.example.com/amo-service"),
    (LinkKind.REPORT, "Ежедневный отчёт помощника", "https://docs.example.com/daily-report"),
    (LinkKind.TRAINING, "Обучающие видео по 1С", "https://learn.example.com/1c-videos"),
    (LinkKind.SITE, "Сайт компании", "https://www.example.com"),
    (LinkKind.PLATFORM, "Платформа обучения (СДО)", "https://lms.example.com"),
]

TERMS = [
    (TermKind.TERM, "Критерий входа", "То, с чего начинается процесс."),
    (TermKind.TERM, "Критерий выхода", "Завершение процесса."),
    (TermKind.TERM, "ЦКП", "Ценный конечный продукт — результат процесса."),
    (TermKind.ABBREVIATION, "РО", "Руководитель отдела."),
    (TermKind.ABBREVIATION, "МАП", "Менеджер активных продаж."),
    (TermKind.ABBREVIATION, "ОС", "Отдел сервиса."),
    (TermKind.ABBREVIATION, "КП", "Коммерческое предложение."),
    (TermKind.ABBREVIATION, "ТЗ", "Техническое задание."),
    (TermKind.ABBREVIATION, "ШЦ", "Швейный цех."),
]

# Invented people: (full name, initials, department, position, roles, chat handle).
EMPLOYEES = [
    ("Лебедева Ирина Павловна", "ЛИП", "administration", "Директор", [Role.DIRECTOR], "lebedeva_ip"),
    ("Горбунов Павел Ильич", "ГПИ", "administration", "Юрист", [Role.LAWYER], "gorbunov_pi"),
    ("Морозов Денис Андреевич", "МДА", "administration", "Водитель", [Role.DRIVER], "morozov_da"),
    (
        "Ершова Вера Михайловна",
        "ЕВМ",
        "service",
        "Руководитель отдела сервиса и ШЦ",
        [Role.HEAD],
        "ershova_vm",
    ),
    (
        "Кузнецова Анна Сергеевна",
        "КАС",
        "service",
        "Менеджер по работе с клиентами",
        [Role.MANAGER],
        "kuznetsova_as",
    ),
    (
        "Павлов Игорь Олегович",
        "ПИО",
        "service",
        "Менеджер по работе с клиентами",
        [Role.MANAGER],
        "pavlov_io",
    ),
    ("Смирнова Дарья Викторовна", "СДВ", "service", "Помощник менеджера", [Role.ASSISTANT], "smirnova_dv"),
    ("Волкова Елена Юрьевна", "ВЕЮ", "service", "Помощник менеджера", [Role.ASSISTANT], "volkova_ey"),
    ("Новикова Ольга Петровна", "НОП", "supply", "Менеджер отдела обеспечения", [Role.SUPPLY], "novikova_op"),
    ("Зайцева Мария Игоревна", "ЗМИ", "warehouse", "Заведующая складом", [Role.WAREHOUSE], "zaitseva_mi"),
    ("Белова Светлана Романовна", "БСР", "workshop", "Мастер цеха", [Role.WORKSHOP], "belova_sr"),
    ("Фролова Татьяна Николаевна", "ФТН", "finance", "Бухгалтер", [Role.ACCOUNTANT], "frolova_tn"),
    (
        "Киселёв Артём Васильевич",
        "КАВ",
        "administration",
        "Администратор системы",
        [Role.ADMIN],
        "kiselev_av",
    ),
]

DEMO_PASSWORD = "demo-password"


def inn10(first9: str) -> str:
    """A valid 10-digit INN from its first nine digits (the checksum of the Tax Code's scheme)."""
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(first9, weights, strict=True)) % 11 % 10
    return first9 + str(check)


CLIENTS = [
    (
        "ООО «Северная Стройгруппа»",
        "352501234",
        "352501001",
        240,
        Potential.HIGH,
        PurchaseFrequency.QUARTERLY,
        15,
    ),
    (
        "АО «Вологодский машзавод»",
        "352509876",
        "352501001",
        1200,
        Potential.HIGH,
        PurchaseFrequency.MONTHLY,
        None,
    ),
    ("ООО «Чистый Город»", "352804561", "352801001", 85, Potential.MEDIUM, PurchaseFrequency.YEARLY, 25),
    ("ООО «ТрансЛогистик»", "352807412", "352801001", 60, Potential.LOW, PurchaseFrequency.ONE_OFF, None),
    (
        "ООО «Агрохолдинг Заречье»",
        "352503698",
        "352501001",
        410,
        Potential.MEDIUM,
        PurchaseFrequency.QUARTERLY,
        10,
    ),
]


async def seed_reference(uow: UnitOfWork) -> None:
    """Departments, links, terms and the key-rate history; idempotent (adds only what is missing)."""
    departments = DepartmentService(uow)
    existing = {d.code for d in await departments.all()}
    for code, name in DEPARTMENTS:
        if code not in existing:
            await departments.create(DepartmentCreate(code=code, name=name))
    reference = ReferenceService(uow)
    if not await uow.session.scalar(select(func.count()).select_from(ReferenceLink)):
        for position, (kind, title, url) in enumerate(LINKS):
            await reference.create_link(
                LinkCreate.model_validate({"kind": kind, "title": title, "url": url, "position": position})
            )
    if not await uow.session.scalar(select(func.count()).select_from(ReferenceTerm)):
        for term_kind, term, definition in TERMS:
            await reference.create_term(TermCreate(kind=term_kind, term=term, definition=definition))
    await KeyRateService(uow).seed_if_empty()


async def seed_demo(uow: UnitOfWork) -> bool:
    """Invented people and clients, once: returns False when the directory already has people."""
    await seed_reference(uow)
    if await uow.session.scalar(select(func.count()).select_from(Employee)):
        return False
    department_ids = {d.code: d.id for d in await DepartmentService(uow).all()}
    people = EmployeeService(uow)
    by_initials: dict[str, Employee] = {}
    for number, (name, initials, dept, position, roles, handle) in enumerate(EMPLOYEES, start=1):
        by_initials[initials] = await people.create(
            EmployeeCreate.model_validate(
                {
                    "full_name": name,
                    "initials": initials,
                    "department_id": department_ids[dept],
                    "position": position,
                    "roles": roles,
                    "email": f"{handle.replace('_', '.')}@example.com",
                    "phone": f"+7921555{number:04d}",
                    "chat_handle": handle,
                    "password": DEMO_PASSWORD,
                }
            )
        )
    uow.actor = await people.get(by_initials["ЕВМ"].id)  # the department head enters the demo clients
    clients = ClientService(uow)
    managers, assistants = ["КАС", "ПИО"], ["СДВ", "ВЕЮ"]
    for i, (name, first9, kpp, headcount, potential, frequency, payday) in enumerate(CLIENTS):
        await clients.create(
            ClientCreate(
                name=name,
                inn=inn10(first9),
                kpp=kpp,
                legal_address=f"160000, г. Вологда, ул. Примерная, д. {i + 3}",
                headcount=headcount,
                potential=potential,
                purchase_frequency=frequency,
                payment_day=payday,
                manager_id=by_initials[managers[i % 2]].id,
                assistant_id=by_initials[assistants[i % 2]].id,
                contacts=[
                    ContactCreate(
                        name="Соколов Андрей Викторович",
                        position="Снабженец",
                        level=ContactLevel.BUYER,
                        phones=[f"+7921444{i:02d}10"],
                        emails=[f"supply{i}@client{i}.example.ru"],
                        messengers=[Messenger(kind=MessengerKind.WHATSAPP, handle=f"+7921444{i:02d}10")],
                    ),
                    ContactCreate(
                        name="Егорова Наталья Львовна",
                        position="Генеральный директор",
                        level=ContactLevel.DIRECTOR,
                        phones=[f"+7921444{i:02d}20"],
                        emails=[f"director@client{i}.example.ru"],
                    ),
                ],
            )
        )
    uow.actor = None
    return True
