"""The catalogue: stations, hours, photos, fuels, prices and nozzles (edited by staff), and the
driver-facing read model built from them.

What the rest of the app may call: this package's names below for the read model, and the
modules `stations`, `pricing`, `chain_prices` (head office's chain-wide price change),
`nozzles` and `setup` for staff edits."""

from app.services.catalogue.read_model import (
    ChainNotConfigured,
    clear_cache,
    current,
    current_chain_id,
    for_chain,
    get_photo,
    get_station,
    photo_bytes,
    search_nearby,
)

__all__ = [
    "ChainNotConfigured",
    "clear_cache",
    "current",
    "current_chain_id",
    "for_chain",
    "get_photo",
    "get_station",
    "photo_bytes",
    "search_nearby",
]
