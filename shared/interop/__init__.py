"""Interoperability with systems outside the event bus: xAPI statements for a Learning Record Store
(``xapi``, ``lrs``) and training history for BKN's SIASN (``siasn``, ``siasn_client``).

Pure mappings and small HTTP clients only: no service imports, no storage. A service wires them to its
own outbox and delivery log.
"""
