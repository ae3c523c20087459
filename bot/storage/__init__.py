"""Storage: the tables, the engine and the functions that read and write them.

Nothing outside this package writes SQL; the dialogue, leads and broadcast code
call the functions here, each taking an `AsyncSession`.
"""
