"""The arq worker: thin jobs around services, and the minute sweep that re-derives what is due."""
