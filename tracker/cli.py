"""The ``tracker`` console script: Flask's CLI bound to the app factory."""

from flask.cli import FlaskGroup

from tracker import create_app

main = FlaskGroup(create_app=lambda: create_app(), help="Tracker 建议提案办理系统 command line.")
