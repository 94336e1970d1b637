"""Process 3, specifications for the sewing workshop: the three kinds, supply's signature, the
workshop's chat, the spec's states and its closing by the order's feedback."""
