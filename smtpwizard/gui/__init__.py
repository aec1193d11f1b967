"""The Qt face of smtpwizard: the wizard, its pages, and the bridge to the engine's workers."""
