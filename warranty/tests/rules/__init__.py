"""Every rule and every boundary of the 三包 engine, as a table; then properties."""
