"""The product's common package: settings, database, messaging, auth, errors, i18n, logging."""
