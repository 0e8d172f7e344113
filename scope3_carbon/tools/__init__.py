from .sql_insert import insert_rows
