"""The database of customers, products, orders, devices, repairs, returns and complaints.

`python -m bot.store --help` lists the commands: upgrade the schema, import records, load the demo data.
"""
