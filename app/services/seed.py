"""Reference data every installation needs, and the demo directory (invented people and companies)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import func, select

from app.models.clients import ContactLevel, Potential, PurchaseFrequency
from app.models.directory import Employee, Role
from app.models.reference import LinkKind, TermKind
from app.models.seeds import AppliedSeed
from app.schemas.clients import ClientCreate, ContactCreate, Messenger, MessengerKind
from app.schemas.directory import DepartmentCreate, EmployeeCreate
from app.schemas.reference import LinkCreate, TermCreate
from app.services.directory.clients import ClientService
from app.services.directory.employees import DepartmentService, EmployeeService
from app.services.directory.reference import ReferenceService
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.receivables.rates import KeyRateService

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
DEMO_SEED = "demo"


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


async def _departments(uow: UnitOfWork) -> None:
    departments = DepartmentService(uow)
    existing = await departments.all()
    codes, names = {d.code for d in existing}, {d.name for d in existing}
    for code, name in DEPARTMENTS:
        if code not in codes and name not in names:
            await departments.create(DepartmentCreate(code=code, name=name))


async def _links(uow: UnitOfWork) -> None:
    reference = ReferenceService(uow)
    for position, (kind, title, url) in enumerate(LINKS):
        await reference.create_link(
            LinkCreate.model_validate({"kind": kind, "title": title, "url": url, "position": position})
        )


async def _terms(uow: UnitOfWork) -> None:
    reference = ReferenceService(uow)
    for term_kind, term, definition in TERMS:
        await reference.create_term(TermCreate(kind=term_kind, term=term, definition=definition))


async def _key_rates(uow: UnitOfWork) -> None:
    await KeyRateService(uow).seed_if_empty()


# The reference data every installation starts with, by the name it is recorded under once loaded
# (the migration that made the record marks what an older installation already had).
REFERENCE_SEEDS: list[tuple[str, Callable[[UnitOfWork], Awaitable[None]]]] = [
    ("departments", _departments),
    ("reference_links", _links),
    ("reference_terms", _terms),
    ("key_rates", _key_rates),
]


async def seed_reference(uow: UnitOfWork) -> list[str]:
    """Departments, links, terms and the key-rate history, each loaded once in an installation's
    life and recorded: what people change or remove afterwards stays as they left it, and a start
    never fails on it. Returns the seeds applied now."""
    applied = set(await uow.session.scalars(select(AppliedSeed.name)))
    now = uow.clock.now()
    done: list[str] = []
    for name, seed in REFERENCE_SEEDS:
        if name in applied:
            continue
        await seed(uow)
        uow.session.add(AppliedSeed(name=name, applied_at=now))
        done.append(name)
    await uow.session.flush()
    return done


async def seed_demo(uow: UnitOfWork) -> bool:
    """Invented people and clients, once: returns False when they were loaded before or the
    directory already has people."""
    await seed_reference(uow)
    if await uow.session.get(AppliedSeed, DEMO_SEED) is not None:
        return False
    if await uow.session.scalar(select(func.count()).select_from(Employee)):
        return False
    uow.session.add(AppliedSeed(name=DEMO_SEED, applied_at=uow.clock.now()))
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
