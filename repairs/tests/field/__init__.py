"""The field's everyday exceptions: a moved appointment (改约), an order given to someone else (改派) and a visit where nobody was at home (上门未遇)."""
