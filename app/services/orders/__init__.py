"""Process 1, an order from any channel to the feedback call: the order itself, the amoCRM and chat
intake, reserving or procuring each line (the requisition book), the warehouse, delivery, the
order's files and its cancellation."""
