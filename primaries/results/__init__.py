"""The members' results: pages for people and the queries behind them and the API."""
