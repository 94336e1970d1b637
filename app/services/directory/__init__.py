"""What every process refers to: departments, employees and their access, clients and their
contacts, the catalogue, reference data, the document-mistake flags, the tasks people work from, and
1C's refusals turned into tasks."""
