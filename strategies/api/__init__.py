"""Views of the strategies Lambda, split by contract area: :mod:`.strategies` (§2.3 and the
run endpoints), :mod:`.dashboard` (§2.4), :mod:`.quant2` (§2.7) and :mod:`.validation`
(§2.8). No view module imports pandas at load time."""
