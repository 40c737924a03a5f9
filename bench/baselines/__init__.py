"""The two apps every figure is compared with: the naive peer (``naive``) and the ceiling (``ceiling``)."""
