import pytest

# The contract is imported by test modules here and in tests/integration: rewrite its asserts
# so failures show the compared values.
pytest.register_assert_rewrite("tests.gateway.stores.stores_contract")
