"""Documents the assistant builds from service data: files for the warehouse, clients and chats."""
