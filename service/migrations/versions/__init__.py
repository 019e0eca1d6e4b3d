"""The revisions of the fieldroute database schema, oldest first (see ``service.migrations``)."""
