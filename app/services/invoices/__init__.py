"""The invoice (счёт на оплату): its journey to the client's approval, revisions, management's
discount decision, and the invoice number's format."""
