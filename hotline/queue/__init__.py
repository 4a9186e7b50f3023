"""The callback queue, split by concept; `hotline.callbacks` is its public face.

Import the services from `hotline.callbacks`: these modules may move.
"""
