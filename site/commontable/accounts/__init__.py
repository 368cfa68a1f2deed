"""A pseudonymous person, end to end: the account, sign-up and two-factor authentication,
downloading and deleting one's data, and the admin's views of people.

It may import the apps (a person's data spans them) and ``commontable.core``.
"""
