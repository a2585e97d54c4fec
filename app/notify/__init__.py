"""Telling the customer: the channels (in-app rows are written by the stores; e-mail here;
push to come), each one a module. Qt-free; the dispatcher calls them."""
