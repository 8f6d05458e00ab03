"""The one shared library of Maillage services.

Modules that are pure (settings, errors, envelope, event_schemas) import neither nameko nor
eventlet, so the gateway can use them too.
"""
