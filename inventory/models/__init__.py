"""Spare parts: the catalogue, warehouses, the append-only stock ledger with its cached levels, part requests,
service-centre deposits and parts credit, defective-part returns and reorder suggestions.

Every write goes through inventory.services; nothing here changes stock or money by itself.
"""

from .deposits import CreditEntry, DepositAccount, DepositAccountQuerySet, DepositEntry, _AppendOnlyEntry
from .reorder import ReorderSuggestion
from .requests import PartRequest, PartRequestEvent, PartRequestLine, PartRequestQuerySet
from .returns import DefectiveReturn, DefectiveReturnPhoto, DefectiveReturnQuerySet, _photo_path
from .stock import (
    _ALL,
    ZERO,
    InventorySettings,
    Part,
    PartQuerySet,
    StockLevel,
    StockMovement,
    StockMovementQuerySet,
    UnitSerial,
    UnitSerialQuerySet,
    Warehouse,
    WarehouseQuerySet,
    _money_field,
)
