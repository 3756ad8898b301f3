"""The staff workspace: entry of count sheets, supervision, certification, accounts."""
