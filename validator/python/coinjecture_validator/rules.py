"""Transaction rules (docs/CHAIN.md §5, docs/spec/core.md §7), signature aside."""
from .codec import U64_MAX


def check_rules(tx, balance, nonce):
    """Returns (status, fee, total_cost); status 'OK' or the first failing rule, in core.md §7 order:
    nonce, fee (overflow, minimum), total overflow, balance, gas."""
    if tx.nonce != nonce:
        return "BAD_NONCE", 0, 0
    fee = tx.gas_limit * tx.gas_price
    if fee > U64_MAX:
        return "AMOUNT_OVERFLOW", 0, 0
    if fee < max(tx.amount // 10000, 1000):
        return "FEE_TOO_LOW", 0, 0
    total = tx.amount + fee
    if total > U64_MAX:
        return "AMOUNT_OVERFLOW", 0, 0
    if balance < total:
        return "INSUFFICIENT_BALANCE", 0, 0
    if tx.gas_limit < (21000 if tx.tx_type == "Transfer" else 50000):
        return "GAS_TOO_LOW", 0, 0
    return "OK", fee, total
