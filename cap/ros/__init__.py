"""ROS 2: the simulator as a ROS 2 robot (`cap ros sim`), the agent node (`cap ros agent`),
and what they share. Needs the `ros` extra (rclpy and message packages from PyPI)."""
