"""Departments and employees."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.api.deps import (
    HistoryDep,
    IfMatchDep,
    PageDep,
    PathId,
    QueryId,
    UowDep,
    allowed,
    history_page,
    set_etag,
)
from app.api.routing import api_router
from app.models.directory import Role
from app.schemas.common import Page, problems
from app.schemas.directory import (
    DepartmentCreate,
    DepartmentRead,
    DepartmentUpdate,
    EmployeeCreate,
    EmployeeRead,
    EmployeeUpdate,
)
from app.schemas.events import EventRead
from app.services.directory.employees import DepartmentService, EmployeeService
from app.services.kernel.permissions import Permission

router = api_router(prefix="/api/v1", tags=["directory"])

READ = allowed(Permission.DIRECTORY_READ)
WRITE = allowed(Permission.DIRECTORY_WRITE)
HISTORY = allowed(Permission.DIRECTORY_READ)


async def department_service(uow: UowDep) -> DepartmentService:
    return DepartmentService(uow)


DepartmentDep = Annotated[DepartmentService, Depends(department_service)]


async def employee_service(uow: UowDep) -> EmployeeService:
    return EmployeeService(uow)


EmployeeDep = Annotated[EmployeeService, Depends(employee_service)]


@router.get("/departments", dependencies=READ)
async def list_departments(departments: DepartmentDep) -> Page[DepartmentRead]:
    """All departments, by name (one page: a company has a few)."""
    rows = await departments.all()
    return Page(items=[DepartmentRead.model_validate(d) for d in rows], next_cursor=None)


@router.post("/departments", status_code=status.HTTP_201_CREATED, responses=problems(409), dependencies=WRITE)
async def create_department(
    data: DepartmentCreate, departments: DepartmentDep, response: Response
) -> DepartmentRead:
    """Add a department (admin)."""
    department = await departments.create(data)
    set_etag(response, department.version)
    return DepartmentRead.model_validate(department)


@router.get("/departments/{department_id:int}", dependencies=READ)
async def get_department(
    department_id: PathId, departments: DepartmentDep, response: Response
) -> DepartmentRead:
    """One department."""
    department = await departments.get(department_id)
    set_etag(response, department.version)
    return DepartmentRead.model_validate(department)


@router.patch("/departments/{department_id:int}", responses=problems(409), dependencies=WRITE)
async def update_department(
    department_id: PathId,
    data: DepartmentUpdate,
    departments: DepartmentDep,
    version: IfMatchDep,
    response: Response,
) -> DepartmentRead:
    """Rename a department (admin). Send `If-Match` with the ETag you read."""
    department = await departments.update(department_id, data, version)
    set_etag(response, department.version)
    return DepartmentRead.model_validate(department)


@router.get("/departments/{department_id:int}/history", dependencies=HISTORY)
async def department_history(
    department_id: PathId, departments: DepartmentDep, events: HistoryDep, page: PageDep
) -> Page[EventRead]:
    """Every change of the department, oldest first."""
    await departments.get(department_id)
    return await history_page(events, "department", department_id, page)


@router.get("/employees", dependencies=READ)
async def list_employees(
    employees: EmployeeDep,
    page: PageDep,
    department_id: QueryId = None,
    role: Role | None = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name, initials or email")] = None,
) -> Page[EmployeeRead]:
    """The directory: employees with their department, position, roles and contacts."""
    result = await employees.page(
        department_id=department_id, role=role, active=active, q=q, cursor=page.cursor, limit=page.limit
    )
    return Page(items=[EmployeeRead.model_validate(e) for e in result.items], next_cursor=result.next_cursor)


@router.post("/employees", status_code=status.HTTP_201_CREATED, responses=problems(409), dependencies=WRITE)
async def create_employee(data: EmployeeCreate, employees: EmployeeDep, response: Response) -> EmployeeRead:
    """Add an employee (admin). A password lets them log in; without one, issue them a token."""
    employee = await employees.create(data)
    set_etag(response, employee.version)
    return EmployeeRead.model_validate(employee)


@router.get("/employees/{employee_id:int}", dependencies=READ)
async def get_employee(employee_id: PathId, employees: EmployeeDep, response: Response) -> EmployeeRead:
    """One employee."""
    employee = await employees.get(employee_id)
    set_etag(response, employee.version)
    return EmployeeRead.model_validate(employee)


@router.patch("/employees/{employee_id:int}", responses=problems(409), dependencies=WRITE)
async def update_employee(
    employee_id: PathId, data: EmployeeUpdate, employees: EmployeeDep, version: IfMatchDep, response: Response
) -> EmployeeRead:
    """Change an employee (admin). Deactivating revokes all their tokens."""
    employee = await employees.update(employee_id, data, version)
    set_etag(response, employee.version)
    return EmployeeRead.model_validate(employee)


@router.get("/employees/{employee_id:int}/history", dependencies=HISTORY)
async def employee_history(
    employee_id: PathId, employees: EmployeeDep, events: HistoryDep, page: PageDep
) -> Page[EventRead]:
    """Every change of the employee, oldest first."""
    await employees.get(employee_id)
    return await history_page(events, "employee", employee_id, page)
