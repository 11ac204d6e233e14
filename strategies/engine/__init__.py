"""Pure research analytics: backtest engine, metrics, PSR/DSR, allocation, strategies.

Plain functions over pandas/numpy with no Django imports, so they can be tested and
benchmarked without a database. Entry points for the Django layer:

- ``registry.run_strategy``, ``registry.CATALOG``, ``registry.resolve_parameters``
- ``metrics.compute_metrics``, ``metrics.metrics_display``
- ``psr.calculate_dsr``, ``psr.returns_significance``
- ``residual_momentum.residual_momentum_ranking`` (quant2 endpoint)
- ``regime.detect_regime``, ``regime.volatility_regime`` (quant2 dashboard regime)
"""
