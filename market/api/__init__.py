"""Views of the market Lambda, split by contract area: :mod:`.data` (``/api/data``, §2.2 and
§3.5), :mod:`.universes` (``/api/universes``, §2.6 and §5) and :mod:`.symbols`
(``/api/market``, new). No view module imports pandas or pyarrow at load time."""
