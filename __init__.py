# The repository root is the umbrella addon `logistics_suite`: it only depends on
# the four addons of the suite; its tests/ hold the cross-system tests.
